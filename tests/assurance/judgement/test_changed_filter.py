"""`evidence_changed()` (the EXISTS filter lists use) picks exactly the judgements whose
`with_changes()` figures say the evidence changed, for each kind of change; and
`count_changes` (the case page, on rows it already loaded) counts what `with_changes()`
annotates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assurance.cases.models import Reading
from assurance.judgement.models import (
    CHANGE_ATTRIBUTES,
    ProportionalityJudgement,
    count_changes,
)
from evidence.models import EvidenceItem, Stance
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


def _every_kind_of_change(location, quality_lead, registered_manager):
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
    return steady, added, withdrawn, expired, readings


def test_it_agrees_with_the_figures_for_every_kind_of_change(
    location, quality_lead, registered_manager
):
    today = timezone.localdate()
    steady, added, withdrawn, expired, readings = _every_kind_of_change(
        location, quality_lead, registered_manager
    )

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


def test_counting_loaded_rows_gives_what_with_changes_annotates(
    location, quality_lead, registered_manager
):
    today = timezone.localdate()
    _every_kind_of_change(location, quality_lead, registered_manager)
    # More on one case: a contradicting item added, an item added before a later
    # confirmation (not a change since), items expiring on the day of the basis (counted),
    # today (not yet) and the day before the basis (before it: not counted).
    case, first, mixed = _judged(location, quality_lead, registered_manager, "Mixed")
    basis = timezone.now() - timedelta(days=2)
    ProportionalityJudgement.objects.filter(pk=mixed.pk).update(
        recorded_at=basis - timedelta(days=5), confirmed_at=basis
    )
    EvidenceItem.objects.filter(pk=first.pk).update(created_at=basis - timedelta(days=6))
    later = timezone.now() + timedelta(hours=1)
    contradicting = add_evidence(case, quality_lead)
    EvidenceItem.objects.filter(pk=contradicting.pk).update(
        stance=Stance.CONTRADICTS, created_at=later
    )
    for valid_until in (
        timezone.localdate(basis),
        today,
        timezone.localdate(basis) - timedelta(days=1),
    ):
        item = add_evidence(case, quality_lead)
        EvidenceItem.objects.filter(pk=item.pk).update(
            created_at=basis - timedelta(days=3), valid_until=valid_until
        )

    annotated = ProportionalityJudgement.objects.with_changes(today)
    assert len(annotated) == 6
    for judgement in annotated:
        evidence = list(EvidenceItem.objects.filter(case_id=judgement.case_id))
        readings = list(Reading.objects.filter(indicator__case_id=judgement.case_id))
        expected = {name: getattr(judgement, name) for name in CHANGE_ATTRIBUTES}
        assert (
            count_changes(judgement, evidence=evidence, readings=readings, today=today) == expected
        ), judgement.case.title
    mixed = next(j for j in annotated if j.pk == mixed.pk)
    assert (mixed.changes_added, mixed.changes_contradicting, mixed.changes_expired) == (1, 1, 1)
