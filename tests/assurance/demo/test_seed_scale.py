"""seed_scale: a large provider in bulk, idempotent, consistent enough for every page."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from assurance.cases.models import CaseStatus, ImprovementCase, StepRecord
from assurance.demo import scale
from assurance.escalations.models import Escalation
from assurance.judgement.models import ProportionalityJudgement
from assurance.judgement.services import CONFIRMED_REASON
from assurance.organisations.models import Membership, Provider
from assurance.reviews.models import Review
from domains.roles import Role
from evidence.models import EvidenceItem, InfluenceLink
from reports import data
from reports.periods import quarter_of

pytestmark = pytest.mark.django_db

APPS = {"assurance", "domains", "evidence", "reports", "auth"}
TINY = ["--locations", "2", "--cases", "20", "--evidence", "200", "--reviews", "60"]


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in APPS
    }


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_scale", *TINY)
    return Provider.objects.get(slug=scale.DEFAULT_SLUG)


def test_it_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_scale", *TINY)
    call_command("seed_scale", *TINY, "--force")
    assert ImprovementCase.objects.count() == 20


def test_a_second_seed_changes_no_count(seeded):
    before = _counts()
    call_command("seed_scale", *TINY)
    assert _counts() == before


def test_it_seeds_the_sizes_asked_for(seeded):
    assert seeded.locations.count() == 2
    assert ImprovementCase.objects.filter(location__provider=seeded).count() == 20
    assert EvidenceItem.objects.filter(case__location__provider=seeded).count() == 200
    assert StepRecord.objects.filter(case__location__provider=seeded).count() == 100
    big = scale.big_case(seeded)
    assert big.evidence.count() == 50  # a quarter of the evidence when there is little of it


def test_it_covers_every_status_and_step(seeded):
    cases = ImprovementCase.objects.filter(location__provider=seeded)
    assert set(cases.values_list("status", flat=True)) == set(CaseStatus.values)
    open_steps = set(cases.filter(status=CaseStatus.OPEN).values_list("current_step", flat=True))
    assert open_steps == {1, 2, 3, 4, 5}
    # Completed steps are exactly those before the current one of an open case.
    for case in cases.filter(status=CaseStatus.OPEN).prefetch_related("steps"):
        done = sorted(s.number for s in case.steps.all() if s.completed_at)
        assert done == list(range(1, case.current_step))


def test_the_demo_people_hold_their_roles_at_every_location(seeded):
    manager = Membership.objects.filter(
        provider=seeded, user__username="registered.manager", role=Role.REGISTERED_MANAGER
    )
    assert manager.count() == seeded.locations.count()
    assert Membership.objects.filter(
        provider=seeded, user__username="senior.leader", role=Role.SENIOR_LEADER, location=None
    ).exists()


def test_it_records_overclaims_escalations_and_reviews_in_several_states(seeded):
    judgements = ProportionalityJudgement.objects.filter(case__location__provider=seeded)
    assert judgements.exists()
    assert any(j.exceeds_evidence for j in judgements.filter(superseded_at=None))
    escalations = Escalation.objects.filter(case__location__provider=seeded)
    assert escalations.values("status").distinct().count() >= 3
    assert Review.objects.filter(provider=seeded).values("status").distinct().count() >= 2
    links = InfluenceLink.objects.filter(case__location__provider=seeded)
    assert {"evidenced", "assumed"} <= set(links.values_list("status", flat=True))
    evidenced = links.filter(status="evidenced").annotate(n=Count("evidence"))
    assert all(link.n >= 1 for link in evidenced)


def test_history_reads_the_record_as_it_was(seeded):
    case = ImprovementCase.objects.filter(
        location__provider=seeded, status=CaseStatus.CLOSED
    ).first()
    assert case.history.as_of(case.opened_at).status == CaseStatus.OPEN
    assert case.history.as_of(timezone.now()).status == CaseStatus.CLOSED
    item = EvidenceItem.objects.filter(case__location__provider=seeded).first()
    assert item.history.earliest().history_date == item.created_at


def test_the_seeded_pages_render(seeded, client):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    client.force_login(users.get(username="registered.manager"))
    assert client.get(reverse("casework:my_work")).status_code == 200
    big = scale.big_case(seeded)
    assert client.get(reverse("casework:case_detail", args=[big.uuid])).status_code == 200
    client.force_login(users.get(username="senior.leader"))
    assert client.get(reverse("casework:my_work")).status_code == 200
    url = reverse("casework:provider_cases", args=[seeded.slug])
    assert client.get(url).status_code == 200


def test_the_quarterly_report_data_gathers(seeded):
    context = data.quarterly_data(seeded, quarter_of(timezone.localdate()))
    assert context


def test_judgements_are_confirmed_after_the_evidence_changed_as_the_service_writes_it(seeded):
    from assurance.cases.models import Reading
    from assurance.judgement.models import JudgementConfirmation

    current = ProportionalityJudgement.objects.current().filter(case__location__provider=seeded)
    confirmed = current.exclude(confirmed_at=None)
    assert confirmed.exists()
    for j in confirmed:
        confirmation = JudgementConfirmation.objects.get(judgement=j)
        assert (confirmation.confirmed_at, confirmation.confirmed_by_id) == (
            j.confirmed_at,
            j.confirmed_by_id,
        )
        assert confirmation.supportable_level == j.supportable_level
        rows = list(j.history.order_by("history_date", "history_id"))
        assert rows[0].history_type == "+" and rows[0].confirmed_at is None
        assert rows[0].history_date == j.recorded_at
        assert rows[-1].history_type == "~" and rows[-1].history_date == j.confirmed_at
        assert rows[-1].confirmed_at == j.confirmed_at
        assert rows[-1].history_change_reason == CONFIRMED_REASON  # as the service writes it
        assert j.recorded_at < j.confirmed_at <= timezone.now()
    # Only a minority still waits to be confirmed since the latest change.
    active = current.filter(case__status=CaseStatus.UNDER_REVIEW)
    assert active.evidence_changed().count() <= active.count() // 2
    # A closed case is read-only: nothing was added to it after it closed, and its judgement
    # was confirmed before.
    for case in ImprovementCase.objects.filter(location__provider=seeded, status=CaseStatus.CLOSED):
        closed = case.history.order_by("-history_date").first().history_date
        assert not case.evidence.filter(created_at__gt=closed).exists()
        assert not Reading.objects.filter(indicator__case=case, recorded_at__gt=closed).exists()
        for j in current.filter(case=case).exclude(confirmed_at=None):
            assert j.confirmed_at <= closed
