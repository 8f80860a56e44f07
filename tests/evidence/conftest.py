from datetime import timedelta

import pytest
from django.utils import timezone

from assurance.cases.services import case_open
from domains.models import Domain
from domains.roles import Role


@pytest.fixture
def case(location, quality_lead):
    return case_open(
        actor=quality_lead,
        actor_roles={Role.QUALITY_LEAD},
        location=location,
        domain=Domain.objects.get(slug="governance"),
        title="Governance grip at Elm House",
        baseline_issue="Audit actions drifted for months without follow-up.",
        improvement_began=timezone.localdate() - timedelta(days=90),
        wider_areas=["Medication", "Night-time checks"],
    )
