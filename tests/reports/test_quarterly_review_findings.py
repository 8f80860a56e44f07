"""What a quarterly review found is shown in the next quarterly report (issue 10, hole 11)."""

from datetime import UTC, date, datetime

import pytest

from assurance.reviews import services as review_services
from reports import data, rendering
from reports.periods import parse_quarter
from tests.assurance.reviews.conftest import quarterly_review

pytestmark = pytest.mark.django_db


def test_a_quarterly_gap_observed_is_shown_in_the_next_quarterly_report(
    provider, senior_leader, time_machine
):
    """Hole 11: a quarterly "Gap observed" was recorded nowhere anyone would read it."""
    time_machine.move_to(datetime(2026, 10, 9, 10, 0, tzinfo=UTC), tick=False)
    review = quarterly_review(provider, due_on=date(2026, 10, 14))
    review_services.review_complete(
        actor=senior_leader,
        actor_roles={"senior_leader"},
        review=review,
        outcome="gap_observed",
        notes="Night practice lags the audits at both homes.",
    )
    time_machine.move_to(datetime(2027, 1, 5, 10, 0, tzinfo=UTC), tick=False)
    q4 = data.quarterly_data(provider, parse_quarter("2026-Q4"))
    (finding,) = q4["summary"]["review_findings"]
    assert finding.period_label == review.period_label and finding.outcome == "gap_observed"
    html = rendering.render_html(rendering.TEMPLATES["quarterly"], q4, preview=True)
    assert "Night practice lags the audits at both homes." in html
    assert f"Quarterly review {review.period_label}" in html
    q3 = data.quarterly_data(provider, parse_quarter("2026-Q3"))
    assert q3["summary"]["review_findings"] == []
