"""Fixtures shared by the assurance rooms' tests."""

import pytest

from tests.builders import add_evidence, complete_step, open_case


@pytest.fixture
def at_step_five(location, team, quality_lead, registered_manager, deputy_manager, team_leader):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, team=team)
    for number, actor in [
        (1, quality_lead),
        (2, registered_manager),
        (3, deputy_manager),
        (4, team_leader),
    ]:
        complete_step(case, number, actor)
    return case
