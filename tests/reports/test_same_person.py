"""The report data say when one person completed two or more steps of a case, as at the
report's cut-off."""

from datetime import UTC, datetime

import pytest
import time_machine

from assurance.organisations.models import Membership
from domains.roles import Role
from reports import data
from reports.periods import parse_quarter
from tests.builders import complete_step, open_case

pytestmark = pytest.mark.django_db


def _notes(view):
    return [note.message for note in view["same_person"]]


def test_it_names_the_person_who_completed_two_steps_as_at_the_cut_off(
    location, quality_lead, registered_manager
):
    registered_manager.first_name, registered_manager.last_name = "Jo", "Bloggs"
    registered_manager.save()
    Membership.objects.create(
        user=registered_manager,
        provider=location.provider,
        location=location,
        role=Role.QUALITY_LEAD,
    )
    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        case = open_case(location=location, actor=quality_lead)
        complete_step(case, 1, registered_manager)
    with time_machine.travel(datetime(2026, 10, 10, 12, tzinfo=UTC)):
        complete_step(case, 2, registered_manager)
        now = data.case_summary_data(case)
        q3 = data.quarterly_data(location.provider, parse_quarter("2026-Q3"))
    assert _notes(now["c"]) == ["Steps 1 and 2 were both completed by Jo Bloggs."]
    (then,) = q3["cases"]
    assert _notes(then) == []  # step 2 was not yet completed at the Q3 cut-off


def test_it_says_nothing_when_different_people_completed_the_steps(
    location, quality_lead, registered_manager
):
    case = open_case(location=location, actor=quality_lead)
    complete_step(case, 1, quality_lead)
    complete_step(case, 2, registered_manager)
    assert _notes(data.case_summary_data(case)["c"]) == []
