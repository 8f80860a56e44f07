"""An edit conflict shows the version now saved under the message: the form's own labels and
values as people read them, who saved it and when."""

import datetime
import html

import pytest
from django import forms
from django.urls import reverse

from assurance.cases import services as cases_services
from assurance.cases.models import StepRecord
from assurance.common.stale import NOT_GIVEN, human_value, words
from domains.roles import Role
from tests.builders import open_case
from tests.factories import MembershipFactory, UserFactory

AREAS = ["Staffing deployment", "Care records", "Risk escalation"]


def _colleague(location, role, first, last):
    user = UserFactory(first_name=first, last_name=last)
    MembershipFactory(user=user, provider=location.provider, location=location, role=role)
    return user


def test_words_joins_a_list_as_a_sentence():
    assert words(["a", "b", "c"]) == "a, b and c"
    assert words(["a", "b"]) == "a and b"
    assert words(["a"]) == "a"


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        (forms.ChoiceField(choices=[("supports", "Supports")]), "supports", "Supports"),
        (
            forms.MultipleChoiceField(choices=[("a", "Alpha"), ("b", "Beta"), ("c", "Gamma")]),
            ["a", "c"],
            "Alpha and Gamma",
        ),
        (forms.DateField(), "2026-09-30", "30 September 2026"),
        (forms.DateField(), datetime.date(2026, 9, 30), "30 September 2026"),
        (forms.BooleanField(required=False), True, "Yes"),
        (forms.BooleanField(required=False), False, "No"),
        (forms.CharField(), "", NOT_GIVEN),
        (
            forms.CharField(),
            ["Positive risk-taking", "Night checks"],
            "Positive risk-taking and Night checks",
        ),
    ],
)
def test_a_saved_value_is_shown_as_people_read_it(field, value, shown):
    assert human_value(field, value) == shown


@pytest.mark.django_db
def test_a_step_conflict_shows_the_saved_version_in_the_forms_words(client, location, quality_lead):
    case = open_case(location=location, actor=quality_lead, areas=AREAS)
    opened = StepRecord.objects.get(case=case, number=1).version
    other = _colleague(location, Role.QUALITY_LEAD, "Fiona", "Okoro")
    cases_services.step_save(
        actor=other,
        actor_roles={Role.QUALITY_LEAD},
        case=case,
        number=1,
        data={"what_improved": "Audit actions closed", "areas_with_effect": AREAS[:2]},
        version=opened,
    )
    client.force_login(quality_lead)
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 1]),
        {"version": opened, "what_improved": "My text", "save": "1"},
        headers={"HX-Request": "true"},
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "changed by Fiona Okoro at" in page
    assert "The version now saved, by Fiona Okoro at" in page
    assert "<dt>What improved</dt><dd>Audit actions closed</dd>" in page
    assert (
        "<dt>Wider areas now showing an effect</dt><dd>Staffing deployment and Care records</dd>"
        in page
    )
    assert "What_improved" not in page and "['" not in page
    # Under the message, not above it.
    assert page.index("There is a problem") < page.index("The version now saved")
    assert "My text" in page  # what they typed is kept


@pytest.mark.django_db
def test_a_case_edit_conflict_says_who_made_the_change(client, location, quality_lead):
    case = open_case(location=location, actor=quality_lead, areas=AREAS)
    manager = _colleague(location, Role.REGISTERED_MANAGER, "Marta", "Bell")
    cases_services.case_update(
        actor=manager,
        actor_roles={Role.REGISTERED_MANAGER},
        case=case,
        version=case.version,
        title="Renamed by the manager",
        improvement_began=datetime.date(2026, 3, 1),
        wider_areas=AREAS,
    )
    client.force_login(quality_lead)
    response = client.post(
        reverse("casework:case_edit", args=[case.uuid]),
        {
            "version": 1,
            "title": "My rename",
            "baseline_issue": "x",
            "improvement_began": "2026-03-01",
            "wider_areas": AREAS[:1],
        },
    )
    page = html.unescape(response.content.decode())
    assert "This case was changed by Marta Bell at" in page
    assert "The version now saved, by Marta Bell at" in page
    assert "<dt>Title</dt><dd>Renamed by the manager</dd>" in page
    assert "<dt>Improvement began</dt><dd>1 March 2026</dd>" in page
    assert (
        "<dt>Wider areas it may influence</dt>"
        "<dd>Staffing deployment, Care records and Risk escalation</dd>"
    ) in page
    assert "['" not in page
    assert page.startswith("<!doctype html>") and "<title>Error: " in page


@pytest.mark.django_db
def test_an_escalation_conflict_shows_the_saved_version_and_can_then_be_saved(
    client, location, quality_lead, registered_manager
):
    from assurance.escalations import services as escalations_services
    from assurance.escalations.models import Escalation

    case = open_case(location=location, actor=quality_lead)
    escalation = escalations_services.escalation_raise_by_hand(
        actor=registered_manager,
        actor_roles={Role.REGISTERED_MANAGER},
        case=case,
        action="Review with the Registered Manager",
        detail="Night checks slipped.",
        due_on=datetime.date(2026, 12, 30),
    )
    opened = Escalation.objects.get(pk=escalation.pk).version
    leader = _colleague(location, Role.REGISTERED_MANAGER, "Sam", "Hughes")
    escalations_services.escalation_update(
        actor=leader,
        actor_roles={Role.REGISTERED_MANAGER},
        escalation=Escalation.objects.get(pk=escalation.pk),
        version=opened,
        due_on=datetime.date(2027, 1, 15),
        status="in_progress",
        note="Taking this on.",
    )
    client.force_login(registered_manager)
    url = reverse("escalations:escalation_detail", args=[escalation.uuid])
    form = {"version": opened, "status": "in_progress", "due_on": "2027-02-01", "note": "Mine"}
    page = html.unescape(client.post(url, form).content.decode())
    assert "This escalation was changed by Sam Hughes at" in page
    assert "<dt>Due on</dt><dd>15 January 2027</dd>" in page
    assert "<dt>Status</dt><dd>In progress</dd>" in page
    assert "in_progress" not in page.split("The version now saved")[1].split("</dl>")[0]
    # The form now carries the saved version: sending it again saves.
    assert f'name="version" value="{opened + 1}"' in page
