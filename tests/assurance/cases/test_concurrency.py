"""No lost updates: a save based on an old version is refused, showing what changed."""

import pytest
from django.urls import reverse

from assurance.cases import services as cases_services
from assurance.cases.models import StepRecord
from assurance.common.stale import StaleEdit
from tests.builders import open_case

pytestmark = pytest.mark.django_db


def test_it_refuses_a_stale_step_edit_and_shows_the_saved_version(client, location, quality_lead):
    case = open_case(location=location, actor=quality_lead)
    opened_version = StepRecord.objects.get(case=case, number=1).version
    # Someone else saves first...
    cases_services.step_save(
        actor=quality_lead,
        actor_roles={"quality_lead"},
        case=case,
        number=1,
        data={"what_improved": "First writer's text"},
        version=opened_version,
    )
    # ...then the second person saves the form they opened earlier.
    client.force_login(quality_lead)
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 1]),
        {
            "version": opened_version,
            "what_improved": "Second writer's text",
            "evidence_reviewed": "Trackers",
            "save": "1",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed" in page and "not saved" in page
    assert "First writer&#x27;s text" in page  # the current saved version is shown
    assert "Second writer&#x27;s text" in page  # what they typed is kept in the form
    step = StepRecord.objects.get(case=case, number=1)
    assert step.data["what_improved"] == "First writer's text"


def test_it_refuses_a_stale_case_edit(client, location, quality_lead):
    case = open_case(location=location, actor=quality_lead)
    cases_services.case_update(
        actor=quality_lead,
        actor_roles={"quality_lead"},
        case=case,
        version=case.version,
        title="Renamed by someone else",
    )
    client.force_login(quality_lead)
    response = client.post(
        reverse("casework:case_edit", args=[case.uuid]),
        {
            "version": 1,
            "title": "My rename",
            "baseline_issue": "x",
            "improvement_began": "2026-03-01",
            "extra_areas": "Staffing",
        },
    )
    assert response.status_code == 200
    assert "was changed" in response.content.decode()
    case.refresh_from_db()
    assert case.title == "Renamed by someone else"


def test_it_raises_stale_edit_from_the_service(location, quality_lead):
    case = open_case(location=location, actor=quality_lead)
    cases_services.step_save(
        actor=quality_lead,
        actor_roles={"quality_lead"},
        case=case,
        number=1,
        data={"a": 1},
        version=1,
    )
    with pytest.raises(StaleEdit):
        cases_services.step_save(
            actor=quality_lead,
            actor_roles={"quality_lead"},
            case=case,
            number=1,
            data={"a": 2},
            version=1,
        )
