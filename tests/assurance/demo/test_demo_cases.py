"""The demo seed's three worked improvement cases."""

import hashlib

import pytest

from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.demo import loader as demo
from assurance.judgement.figures import case_readiness
from assurance.judgement.readiness import LEVELS
from evidence.models import EvidenceFile, PracticeCheck, Stance

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases():
    demo.seed()
    return {
        "governance": ImprovementCase.objects.get(
            location__name="Oakfield House", title=demo.GOVERNANCE_TITLE
        ),
        "record-quality": ImprovementCase.objects.get(
            location__name="Oakfield House", title=demo.RECORD_QUALITY_TITLE
        ),
        "workforce-competence": ImprovementCase.objects.get(
            location__name="Oakfield Home Care", title=demo.WORKFORCE_TITLE
        ),
    }


def _completed(case):
    return {s.number: s.completed_by.username for s in case.steps.all() if s.is_completed}


def test_it_builds_each_case_in_its_own_domain_at_the_demo_provider(cases):
    for slug, case in cases.items():
        assert case.domain.slug == slug
        assert case.location.provider.slug == "oakfield-care"


def test_it_completes_the_governance_case_by_the_right_people_in_turn(cases):
    case = cases["governance"]
    assert case.status == CaseStatus.UNDER_REVIEW
    assert case.current_step == 5
    assert _completed(case) == {
        1: "quality.lead",
        2: "registered.manager",
        3: "deputy.manager",
        4: "team.leader",
        5: "registered.manager",
    }
    assert case.embedding_actions.count() >= 2
    assert case.practice_checks.count() >= 2


def test_it_leaves_the_record_quality_case_with_a_step_3_draft(cases):
    case = cases["record-quality"]
    assert case.status == CaseStatus.OPEN
    assert case.current_step == 3
    assert _completed(case) == {1: "quality.lead", 2: "registered.manager"}
    step3 = case.steps.get(number=3)
    assert step3.data.get("summary")
    assert step3.updated_by.username == "deputy.manager"
    assert PracticeCheck.objects.filter(case=case).count() >= 1


def test_it_leaves_the_workforce_case_with_a_step_1_draft_by_the_operations_manager(cases):
    case = cases["workforce-competence"]
    assert case.status == CaseStatus.OPEN
    assert case.current_step == 1
    assert _completed(case) == {}
    step1 = case.steps.get(number=1)
    assert step1.role == "operations_manager"
    assert step1.updated_by.username == "operations.manager"
    assert set(step1.data) == {
        "what_improved",
        "how_measured",
        "evidence_reviewed",
        "areas_with_effect",
    }
    assert set(step1.data["areas_with_effect"]) <= set(case.wider_areas)


def test_it_records_a_governance_judgement_the_evidence_supports(cases):
    case = cases["governance"]
    judgement = case.judgements.current().get()
    assert judgement.supportable_level in {"emerging", "significant"}
    assert LEVELS.index(judgement.level) <= LEVELS.index(judgement.supportable_level)
    assert not judgement.exceeds_evidence
    assert judgement.overclaim_justification == ""
    assert judgement.recorded_by.username == "registered.manager"
    assert case.steps.get(number=5).data["summary"]
    # The stored level is what the figures give for the same data today.
    assert case_readiness(case).assessment.level == judgement.supportable_level


def test_it_gives_each_case_indicators_on_both_sides_with_readings(cases):
    for case in cases.values():
        indicators = list(case.indicators.all())
        assert 2 <= len(indicators) <= 3
        assert {i.side for i in indicators} == {"leadership", "frontline"}
        for indicator in indicators:
            assert indicator.readings.count() >= 6
        assert any(r.team_id for i in indicators for r in i.readings.all()), (
            "some readings should be per team"
        )


def test_it_gives_each_case_evidence_from_three_sources_and_two_teams(cases):
    for case in cases.values():
        items = case.evidence.current()
        assert items.values("source").distinct().count() >= 3
        teams = set(items.exclude(team=None).values_list("team_id", flat=True))
        assert len(teams) >= 2
        assert items.filter(stance=Stance.CONTRADICTS).exists()


def test_it_stores_demo_files_whose_sha256_matches_their_content(cases):
    files = list(EvidenceFile.objects.filter(item__case__in=cases.values()))
    assert len(files) >= 2
    for stored in files:
        with stored.file.open("rb") as fh:
            content = fh.read()
        assert hashlib.sha256(content).hexdigest() == stored.sha256
        assert len(content) == stored.size
        assert stored.content_type in {"text/csv", "text/plain"}


def test_it_does_not_build_the_cases_again_on_a_second_seed(cases):
    before = {c.pk: c.version for c in ImprovementCase.objects.all()}
    files = EvidenceFile.objects.count()
    demo.seed()
    assert {c.pk: c.version for c in ImprovementCase.objects.all()} == before
    assert EvidenceFile.objects.count() == files
