"""The escalation rules: pure, no database."""

import pytest

from assurance.escalations import rules
from domains.roles import Role

TL = {Role.TEAM_LEADER}
RM = {Role.REGISTERED_MANAGER}
SL = {Role.SENIOR_LEADER}


@pytest.mark.parametrize("trigger", ["overclaim", "repeated_gap"])
def test_an_owner_moves_an_automatic_escalation_but_never_closes_it(trigger):
    """Hole 12: the owner (a Team Leader) could cancel an automatic overclaim escalation."""
    for new in ("in_progress", "open"):
        assert rules.may_move(new, trigger=trigger, actor_roles=TL, is_owner=True)
    for new in ("done", "cancelled"):
        refused = rules.may_move(new, trigger=trigger, actor_roles=TL, is_owner=True)
        assert not refused
        assert "only by a Registered Manager or a Senior Leader" in refused.reason
        for roles in (RM, SL):
            assert rules.may_move(new, trigger=trigger, actor_roles=roles, is_owner=False)


@pytest.mark.parametrize("trigger", ["manual", "judgement"])
def test_the_owner_may_still_close_an_escalation_raised_by_a_person(trigger):
    for new in ("in_progress", "done", "cancelled"):
        assert rules.may_move(new, trigger=trigger, actor_roles=TL, is_owner=True)


def test_nobody_else_moves_an_escalation():
    refused = rules.may_move("in_progress", trigger="manual", actor_roles=TL, is_owner=False)
    assert not refused and "Only the owner" in refused.reason
    assert not rules.may_move("in_progress", trigger="manual", actor_roles=set(), is_owner=False)


def test_done_and_cancelled_are_final():
    assert not rules.can_move("done", "open")
    assert not rules.can_move("cancelled", "in_progress")
    assert rules.can_move("open", "in_progress")


@pytest.mark.parametrize(
    ("new", "trigger", "outcome", "reason", "missing"),
    [
        ("done", "manual", "", "", {"outcome"}),
        ("done", "overclaim", "Checked on nights.", "", set()),
        ("cancelled", "manual", "", "", {"cancel_reason"}),
        ("cancelled", "manual", "", "Raised on the wrong case.", set()),
        ("cancelled", "overclaim", "", "Raised on the wrong case.", {"outcome"}),
        ("cancelled", "repeated_gap", "Gap closed.", "", {"cancel_reason"}),
        ("in_progress", "overclaim", "", "", set()),
    ],
)
def test_closing_asks_for_an_outcome_and_cancelling_for_a_reason(
    new, trigger, outcome, reason, missing
):
    assert set(rules.missing_for(new, trigger=trigger, outcome=outcome, reason=reason)) == missing


def test_every_move_has_a_why():
    assert rules.why("open", "in_progress", note="") == "work started"
    assert rules.why("open", "in_progress", note="Booked night checks.") == "Booked night checks."
    assert rules.why("open", "cancelled", note="", reason="Duplicate.") == "Duplicate."
    assert rules.why("in_progress", "done", note="", outcome="Sheets in use.") == "Sheets in use."
