"""The domain admin: list editors instead of JSON boxes, exactly five steps for an active
domain (model, admin and the domains offered to users), a preview of the step labels."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from domains.forms import IndicatorLinesField, LinesField
from domains.models import Domain, StepTemplate, step_numbers_problem

pytestmark = pytest.mark.django_db

ROLES = [
    "quality_lead",
    "registered_manager",
    "deputy_manager",
    "team_leader",
    "registered_manager",
]


def _post(numbers, *, active=True, slug="fictional-care-planning", **extra):
    data = {
        "name": "Fictional care planning",
        "slug": slug,
        "summary": "",
        "order": 5,
        "default_wider_areas": "Medicines\n\n  Falls  \n",
        "warning_signs": "",
        "escalation_actions": "Tell the Registered Manager",
        "suggested_indicators": "Plans reviewed on time | % | higher | leadership\n"
        "Missed visits | count | lower | frontline",
        "steps-TOTAL_FORMS": len(numbers),
        "steps-INITIAL_FORMS": 0,
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 5,
        **extra,
    }
    if active:
        data["is_active"] = "on"
    for i, number in enumerate(numbers):
        data[f"steps-{i}-number"] = number
        data[f"steps-{i}-role"] = ROLES[number - 1]
        data[f"steps-{i}-artefact_label"] = f"Fictional artefact {number}"
        data[f"steps-{i}-prompts"] = "First prompt\nSecond prompt"
    return data


def test_the_admin_refuses_to_activate_a_domain_without_five_steps(admin_client):
    response = admin_client.post(reverse("admin:domains_domain_add"), _post([1, 2, 3]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "An active domain needs exactly five steps, numbered 1 to 5" in html
    assert "steps 4, 5 missing" in html
    assert not Domain.objects.filter(slug="fictional-care-planning").exists()


def test_the_admin_saves_an_inactive_draft_with_three_steps(admin_client):
    response = admin_client.post(
        reverse("admin:domains_domain_add"), _post([1, 2, 3], active=False)
    )
    assert response.status_code == 302
    domain = Domain.objects.get(slug="fictional-care-planning")
    assert not domain.is_active and domain.steps.count() == 3
    assert domain not in Domain.objects.active()


def test_the_admin_saves_five_steps_and_the_lists_from_lines(admin_client):
    response = admin_client.post(reverse("admin:domains_domain_add"), _post([1, 2, 3, 4, 5]))
    assert response.status_code == 302
    domain = Domain.objects.get(slug="fictional-care-planning")
    assert domain.is_active and domain in Domain.objects.active()
    assert domain.default_wider_areas == ["Medicines", "Falls"]
    assert domain.warning_signs == []
    assert domain.suggested_indicators == [
        {
            "name": "Plans reviewed on time",
            "unit": "%",
            "higher_is_better": True,
            "frontline": False,
        },
        {"name": "Missed visits", "unit": "count", "higher_is_better": False, "frontline": True},
    ]
    assert StepTemplate.objects.get(domain=domain, number=2).prompts == [
        "First prompt",
        "Second prompt",
    ]


def test_the_change_form_shows_lines_and_a_preview_of_the_step_labels(admin_client):
    admin_client.post(reverse("admin:domains_domain_add"), _post([1, 2, 3, 4, 5]))
    domain = Domain.objects.get(slug="fictional-care-planning")
    html = admin_client.get(reverse("admin:domains_domain_change", args=[domain.pk])).content
    html = html.decode()
    assert not re.search(r"<textarea[^>]*>\s*[\[{]", html)  # no JSON in any text box
    assert "Medicines\nFalls</textarea>" in html
    assert "Missed visits | count | lower | frontline" in html
    assert "Step 3 of 5: <strong>Fictional artefact 3</strong>, by the Deputy Manager" in html


def test_the_admin_explains_a_badly_written_indicator_line(admin_client):
    data = _post([1, 2, 3, 4, 5], suggested_indicators="Missed visits | count | fewer | frontline")
    response = admin_client.post(reverse("admin:domains_domain_add"), data)
    assert response.status_code == 200
    assert "write “higher” or “lower” for which is better, not “fewer”" in (
        response.content.decode()
    )


def test_deleting_a_step_of_an_active_domain_is_refused(admin_client):
    admin_client.post(reverse("admin:domains_domain_add"), _post([1, 2, 3, 4, 5]))
    domain = Domain.objects.get(slug="fictional-care-planning")
    steps = list(domain.steps.order_by("number"))
    data = _post([1, 2, 3, 4, 5])
    data["steps-INITIAL_FORMS"] = 5
    for i, step in enumerate(steps):
        data[f"steps-{i}-id"] = step.pk
        data[f"steps-{i}-domain"] = domain.pk
    data["steps-4-DELETE"] = "on"
    response = admin_client.post(reverse("admin:domains_domain_change", args=[domain.pk]), data)
    assert response.status_code == 200
    assert "step 5 missing" in response.content.decode()
    assert domain.steps.count() == 5


def test_the_changelist_cannot_activate_a_domain_without_five_steps(admin_client):
    admin_client.post(reverse("admin:domains_domain_add"), _post([1, 2], active=False))
    domain = Domain.objects.get(slug="fictional-care-planning")
    others = list(Domain.objects.exclude(pk=domain.pk).order_by("order", "name"))
    rows = [*others, domain]
    rows.sort(key=lambda d: (d.order, d.name))
    data = {
        "form-TOTAL_FORMS": len(rows),
        "form-INITIAL_FORMS": len(rows),
        "_save": "Save",
    }
    for i, row in enumerate(rows):
        data[f"form-{i}-id"] = row.pk
        data[f"form-{i}-order"] = row.order
        if row.is_active or row.pk == domain.pk:
            data[f"form-{i}-is_active"] = "on"
    admin_client.post(reverse("admin:domains_domain_changelist"), data)
    domain.refresh_from_db()
    assert not domain.is_active


def test_the_model_refuses_an_active_domain_without_five_steps():
    domain = Domain.objects.create(slug="fictional-x", name="Fictional X", is_active=False)
    StepTemplate.objects.create(domain=domain, number=1, role="quality_lead", artefact_label="A")
    domain.is_active = True
    with pytest.raises(ValidationError) as raised:
        domain.full_clean()
    assert "step 1" not in str(raised.value) and "steps 2, 3, 4, 5 missing" in str(raised.value)


def test_only_complete_domains_are_offered_to_users():
    incomplete = Domain.objects.create(slug="fictional-y", name="Fictional Y", is_active=True)
    StepTemplate.objects.create(
        domain=incomplete, number=1, role="quality_lead", artefact_label="A"
    )
    offered = set(Domain.objects.active().values_list("slug", flat=True))
    assert "fictional-y" not in offered
    assert "governance" in offered  # the catalogue's domains have their five steps


def test_it_words_the_step_problem():
    assert step_numbers_problem([5, 4, 3, 2, 1]) == ""
    assert "it has 0 steps (steps 1, 2, 3, 4, 5 missing)" in step_numbers_problem([])
    assert "it has 1 step (steps 2, 3, 4, 5 missing)" in step_numbers_problem([1])


def test_the_list_fields_read_lines():
    assert LinesField(required=False).clean(" a \n\n b\n") == ["a", "b"]
    assert LinesField(required=False).clean("") == []
    with pytest.raises(ValidationError):
        LinesField(required=False).clean("x" * 501)
    with pytest.raises(ValidationError, match="needs four parts"):
        IndicatorLinesField(required=False).clean("Just a name")


def test_the_add_form_has_empty_list_editors(admin_client):
    html = admin_client.get(reverse("admin:domains_domain_add")).content.decode()
    assert not re.search(r"<textarea[^>]*>\s*[\[{]", html)
    assert "One indicator a line: name | unit | higher or lower" in html
