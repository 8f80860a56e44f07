"""The case timeline shows when a link was assumed again because its backing ran out
(hole 2 of "Honest figures over time"): worked out from the evidence, never stored."""

import pytest
from django.urls import reverse

from assurance.organisations.access import roles_at_location
from evidence import services as evidence_services
from evidence.models import LinkStatus
from tests.builders import add_evidence, complete_step, open_case

pytestmark = pytest.mark.django_db


def test_the_timeline_says_when_a_link_was_assumed_again_and_why(
    client, location, team, quality_lead, registered_manager
):
    roles = roles_at_location(registered_manager, location)
    case = open_case(location=location, actor=quality_lead)
    item = add_evidence(case, quality_lead, source="staff_practice", team=team)
    complete_step(case, 1, quality_lead)
    evidence_services.link_save(
        actor=registered_manager,
        actor_roles=roles,
        case=case,
        area="Medicines",
        status=LinkStatus.EVIDENCED,
        evidence=[item],
    )
    client.force_login(registered_manager)
    url = reverse("casework:case_detail", args=[case.uuid])
    assert "assumed again" not in client.get(url).content.decode()

    evidence_services.evidence_withdraw(
        actor=registered_manager, actor_roles=roles, item=item, reason="Recorded on the wrong case."
    )
    page = client.get(url).content.decode()
    assert "Influence link “Medicines” assumed again" in page
    assert "its last supporting item was withdrawn" in page
