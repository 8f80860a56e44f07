"""The demo seed creates exactly these rows, and a second seed creates none.

The counts were taken from the seed as it was before its narrative moved into data files
(assurance/demo/data/), so they pin that the move changed nothing. They are the rows the
seed adds: every model not listed here gets none (reference data comes from migrations).
"""

import pytest
from django.apps import apps
from django.core.management import call_command

from assurance.cases.models import ImprovementCase
from assurance.judgement.figures import case_readiness
from evidence.models import EvidenceFile

pytestmark = pytest.mark.django_db

APPS = {"assurance", "domains", "evidence", "reports", "auth"}

EXPECTED = {
    "assurance.Escalation": 3,
    "assurance.EscalationEvent": 4,
    "assurance.HistoricalEscalation": 4,
    "assurance.HistoricalImprovementCase": 16,
    "assurance.HistoricalIndicator": 10,
    "assurance.HistoricalLocation": 3,
    "assurance.HistoricalMembership": 11,
    "assurance.HistoricalProportionalityJudgement": 4,
    "assurance.HistoricalProvider": 2,
    "assurance.HistoricalReading": 117,
    "assurance.HistoricalReview": 9,
    "assurance.HistoricalStepRecord": 14,
    "assurance.HistoricalTeam": 8,
    "assurance.ImprovementCase": 4,
    "assurance.Indicator": 10,
    "assurance.Location": 3,
    "assurance.Membership": 11,
    "assurance.JudgementConfirmation": 2,  # last quarter's evidence, then the manager confirms
    "assurance.ProportionalityJudgement": 2,
    "assurance.Provider": 2,
    "assurance.PublishedRating": 10,
    "assurance.Reading": 117,
    "assurance.Review": 9,
    "assurance.StatementScore": 68,
    "assurance.StepRecord": 20,
    "assurance.Team": 8,
    "auth.User": 9,
    "evidence.EmbeddingAction": 5,
    "evidence.EvidenceFile": 5,
    "evidence.EvidenceItem": 35,
    "evidence.HistoricalEmbeddingAction": 5,
    "evidence.HistoricalEvidenceFile": 5,
    "evidence.HistoricalEvidenceItem": 35,
    "evidence.HistoricalInfluenceLink": 17,
    "evidence.HistoricalInfluenceLink_evidence": 11,
    "evidence.HistoricalPracticeCheck": 8,
    "evidence.InfluenceLink": 11,
    "evidence.PracticeCheck": 8,
}

# What the evidence supports for each case (and what was judged), as the demo tells it.
SUPPORTABLE = {
    "governance": "emerging",
    "record-quality": "emerging",
    "workforce-competence": "contained",
    "medicines": "contained",
}
JUDGED = {"governance": "emerging", "medicines": "significant"}


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in APPS
    }


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    before = _counts()
    call_command("seed_demo")
    after = _counts()
    return {label: after[label] - before[label] for label in after if after[label] != before[label]}


def test_one_seed_creates_exactly_these_rows(seeded):
    assert seeded == EXPECTED


def test_a_second_seed_changes_no_count(seeded):
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before


def test_the_cases_show_the_levels_the_demo_tells(seeded):
    cases = {c.domain.slug: c for c in ImprovementCase.objects.select_related("domain")}
    assert {slug: case_readiness(c).assessment.level for slug, c in cases.items()} == SUPPORTABLE
    judged = {
        slug: c.judgements.current().get()
        for slug, c in cases.items()
        if c.judgements.current().exists()
    }
    assert {slug: j.level for slug, j in judged.items()} == JUDGED
    assert not judged["governance"].exceeds_evidence
    assert judged["medicines"].exceeds_evidence


def test_dated_evidence_files_carry_their_evidence_date(seeded):
    stored = EvidenceFile.objects.select_related("item").get(
        original_name="weekend-spot-check-notes.txt"
    )
    with stored.file.open("rb") as fh:
        lines = fh.read().decode("utf-8").splitlines()
    assert lines[0] == "Spot check - Weekend team"
    assert lines[1] == f"Date: {stored.item.occurred_on:%d/%m/%Y}"
