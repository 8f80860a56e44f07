"""Quarterly reports under frameworks in transition: each location's picture as it stood at
the cut-off (hole 8 of "Honest figures over time": scores and the rating picture were
today's), the framework each location was assessed against then, and the self-judgements
with their rationale."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from assurance.organisations.access import roles_at_location
from assurance.rating import services as rating_services
from domains.models import KeyQuestion, QualityStatement
from reports import data, rendering
from reports.periods import parse_quarter
from tests.builders import load_fictional_framework, record_self_judgement, switch_framework
from tests.factories import LocationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _score(location, actor, code, score, on):
    return rating_services.statement_score_add(
        actor=actor,
        actor_roles=roles_at_location(actor, location),
        location=location,
        quality_statement=QualityStatement.objects.get(
            key_question__framework__slug="saf-2024", code=code
        ),
        score=score,
        assessed_on=on,
        rationale=f"Scored {score}.",
    )


def _q3(provider):
    report = data.quarterly_data(provider, parse_quarter("2026-Q3"))
    return report, dict(report["pictures"])


def test_a_q3_report_built_after_q4_changes_shows_the_q3_picture(
    location, registered_manager, senior_leader
):
    provider = location.provider
    pilot = LocationFactory(provider=provider, name="Pilot House")
    pilot_rm = UserFactory(username="pilot-rm")
    MembershipFactory(user=pilot_rm, location=pilot, role="registered_manager")
    fictional = load_fictional_framework()
    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        _score(location, registered_manager, "S1", 3, date(2026, 9, 10))
        switch_framework(pilot, fictional, senior_leader, effective_on=date(2026, 9, 1))
        record_self_judgement(
            pilot, pilot_rm, "safe", "Good", rationale="Q3 rationale: TS1 good throughout."
        )
    before, pictures = _q3(provider)
    html_before = rendering.render_html(rendering.TEMPLATES["quarterly"], before)

    # In Q4: the score changes, Elm House switches framework and judges Safe, Pilot House
    # judges Safe again.
    _score(location, registered_manager, "S1", 1, date(2026, 11, 2))
    switch_framework(location, fictional, senior_leader, effective_on=date(2026, 11, 1))
    record_self_judgement(location, registered_manager, "safe", "Inadequate")
    record_self_judgement(
        pilot, pilot_rm, "safe", "Outstanding", rationale="Q4 rationale: beyond the good."
    )

    after, pictures = _q3(provider)
    elm, pilot_then = pictures[location], pictures[pilot]
    assert elm.framework.slug == "saf-2024" and not elm.in_the_round
    safe = next(row for row in elm.rows if row.key_question.slug == "safe")
    assert [s.score for qs, s in safe.statements if qs.code == "S1"] == [3]
    assert pilot_then.framework == fictional
    assert pilot_then.assessed.since == date(2026, 9, 1)
    judged = pilot_then.rows[0].self_judgement
    assert (judged.rating, judged.rationale) == ("Good", "Q3 rationale: TS1 good throughout.")
    assert after["fingerprint"] == before["fingerprint"]

    html = rendering.render_html(rendering.TEMPLATES["quarterly"], after)
    for page in (html_before, html):
        assert f"Assessed against:</strong> {elm.framework.name} ({elm.framework.slug})" in page
        assert "Q3 rationale: TS1 good throughout." in page
        assert "Q4 rationale" not in page
        assert f"{fictional.name} ({fictional.slug}), since 1 September 2026" in page
        assert "No judgement yet." in page  # Pilot House's other key questions

    # The Q4 report shows the Q4 picture.
    now = data.quarterly_data(provider, parse_quarter("2026-Q4"))
    html_now = rendering.render_html(rendering.TEMPLATES["quarterly"], now)
    assert "Q4 rationale: beyond the good." in html_now
    assert dict(now["pictures"])[location].framework == fictional


def test_a_report_names_a_scored_framework_and_that_cqc_is_withdrawing_scoring(location):
    report = data.quarterly_data(location.provider, parse_quarter("2026-Q3"))
    html = rendering.render_html(rendering.TEMPLATES["quarterly"], report)
    saf = KeyQuestion.objects.get(framework__slug="saf-2024", slug="safe").framework
    assert f"Assessed against:</strong> {saf.name} ({saf.slug})" in html
    assert "CQC is withdrawing scoring" in html
