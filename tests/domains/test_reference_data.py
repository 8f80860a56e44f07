import pytest

from domains.models import Domain, EvidenceCategory, Framework, KeyQuestion, QualityStatement

pytestmark = pytest.mark.django_db


def test_it_loads_the_current_framework():
    framework = Framework.objects.current()
    assert framework.slug == "saf-2024"
    assert framework.has_scoring
    assert framework.rating_labels[0] == "Outstanding"
    assert framework.score_bands.count() == 4


def test_it_has_five_key_questions_with_the_published_statement_split():
    split = {
        kq.slug: kq.quality_statements.count()
        for kq in KeyQuestion.objects.filter(framework__slug="saf-2024")
    }
    assert split == {"safe": 8, "effective": 6, "caring": 5, "responsive": 7, "well_led": 8}
    assert QualityStatement.objects.count() == 34
    codes = set(QualityStatement.objects.values_list("code", flat=True))
    assert {"S1", "S8", "E6", "C5", "R7", "W8"} <= codes


def test_it_has_six_evidence_categories():
    assert list(EvidenceCategory.objects.values_list("name", flat=True)) == [
        "People's experience",
        "Feedback from staff and leaders",
        "Feedback from partners",
        "Observation",
        "Processes",
        "Outcomes",
    ]


def test_it_loads_a_catalogue_where_every_template_has_five_steps_with_role_and_label():
    domains = Domain.objects.prefetch_related("steps")
    assert domains.count() >= 6
    for domain in domains:
        steps = list(domain.steps.all())
        assert [s.number for s in steps] == [1, 2, 3, 4, 5], domain
        assert all(s.role and s.artefact_label for s in steps), domain
        assert domain.key_questions.exists(), domain


@pytest.mark.parametrize(
    ("slug", "labels", "step1_role"),
    [
        (
            "governance",
            [
                "Governance impact file",
                "Service influence note",
                "Live validation sheet",
                "Implementation log",
                "Assurance summary",
            ],
            "quality_lead",
        ),
        (
            "record-quality",
            [
                "Documentation influence tracker",
                "Service reliability note",
                "Operational check sheet",
                "Local documentation log",
                "Governance overview",
            ],
            "quality_lead",
        ),
        (
            "workforce-competence",
            [
                "Competence impact review",
                "Service impact note",
                "Live practice tracker",
                "Workforce development log",
                "Provider assurance report",
            ],
            "operations_manager",
        ),
    ],
)
def test_it_carries_the_three_worked_examples(slug, labels, step1_role):
    domain = Domain.objects.get(slug=slug)
    steps = list(domain.steps.order_by("number"))
    assert [s.artefact_label for s in steps] == labels
    assert steps[0].role == step1_role
    assert [s.role for s in steps[1:]] == [
        "registered_manager",
        "deputy_manager",
        "team_leader",
        "registered_manager",
    ]


def test_it_reloads_reference_data_without_duplicates():
    from django.apps import apps

    from domains.loaders import load_catalogue, load_framework

    load_framework(apps)
    load_catalogue(apps)
    assert QualityStatement.objects.count() == 34
    assert Domain.objects.filter(slug="governance").count() == 1
