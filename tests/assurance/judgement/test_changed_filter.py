"""`evidence_changed()` (the EXISTS filter lists use) picks exactly the judgements whose
`with_changes()` figures say the evidence changed, for each kind of change."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assurance.cases.models import Reading
from assurance.judgement.models import ProportionalityJudgement
from evidence.models import EvidenceItem
from tests.builders import add_evidence, add_indicator, open_case

pytestmark = pytest.mark.django_db


def _judged(location, quality_lead, registered_manager, title):
    case = open_case(location=location, actor=quality_lead, title=title)
    item = add_evidence(case, quality_lead)
    judgement = ProportionalityJudgement.objects.create(
        case=case,
        level="emerging",
        not_yet="Safe: mixed.",
        rationale="Audits improved.",
        recorded_by=registered_manager,
        recorded_at=timezone.now() + timedelta(seconds=1),  # after the first item
    )
    return case, item, judgement


def test_it_agrees_with_the_figures_for_every_kind_of_change(
    location, quality_lead, registered_manager
):
    today = timezone.localdate()
    _, _, steady = _judged(location, quality_lead, registered_manager, "Steady")
    case, _, added = _judged(location, quality_lead, registered_manager, "Added")
    EvidenceItem.objects.filter(case=case).update(created_at=timezone.now() + timedelta(hours=1))
    _, item, withdrawn = _judged(location, quality_lead, registered_manager, "Withdrawn")
    EvidenceItem.objects.filter(pk=item.pk).update(
        withdrawn_at=timezone.now() + timedelta(hours=1), withdrawn_reason="Wrong case."
    )
    _, item, expired = _judged(location, quality_lead, registered_manager, "Expired")
    EvidenceItem.objects.filter(pk=item.pk).update(valid_until=today - timedelta(days=1))
    ProportionalityJudgement.objects.filter(pk=expired.pk).update(
        recorded_at=timezone.now() - timedelta(days=3)
    )
    EvidenceItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(days=4))
    case, _, readings = _judged(location, quality_lead, registered_manager, "Readings")
    indicator = add_indicator(case, quality_lead)
    reading = Reading.objects.create(
        indicator=indicator, taken_on=today, value=Decimal("80"), recorded_by=quality_lead
    )
    Reading.objects.filter(pk=reading.pk).update(recorded_at=timezone.now() + timedelta(hours=1))

    figures = {
        j.pk: j.evidence_changed for j in ProportionalityJudgement.objects.with_changes(today)
    }
    assert figures == {
        steady.pk: False,
        added.pk: True,
        withdrawn.pk: True,
        expired.pk: True,
        readings.pk: True,
    }
    filtered = set(
        ProportionalityJudgement.objects.evidence_changed(today).values_list("pk", flat=True)
    )
    assert filtered == {pk for pk, changed in figures.items() if changed}
