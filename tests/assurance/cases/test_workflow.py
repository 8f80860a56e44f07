"""The five-step rules, pure: no database."""

import pytest

from assurance.cases import workflow as wf
from domains.roles import Role

ROLES = [
    Role.QUALITY_LEAD,
    Role.REGISTERED_MANAGER,
    Role.DEPUTY_MANAGER,
    Role.TEAM_LEADER,
    Role.REGISTERED_MANAGER,
]
WORKFORCE_ROLES = [Role.OPERATIONS_MANAGER, *ROLES[1:]]


def _case(done=0, *, status=wf.OPEN, roles=ROLES, author=1, allow_self=False):
    steps = tuple(
        wf.StepState(
            number=n,
            role=roles[n - 1],
            label=f"Artefact {n}",
            completed=n <= done,
            completed_by_id=(author if n == 1 else 100 + n) if n <= done else None,
        )
        for n in range(1, 6)
    )
    return wf.CaseState(status=status, steps=steps, allow_self_validation=allow_self)


def test_it_allows_the_template_role_to_complete_the_current_step():
    assert wf.can_complete_step(_case(0), 1, actor_id=1, actor_roles={Role.QUALITY_LEAD})


@pytest.mark.parametrize("done", [0, 1, 2, 3])
def test_it_refuses_a_step_out_of_order(done):
    decision = wf.can_complete_step(_case(done), done + 2, actor_id=9, actor_roles=set(Role))
    assert not decision
    assert "comes first" in decision.reason


@pytest.mark.parametrize(
    ("number", "wrong_role"),
    [
        (1, Role.REGISTERED_MANAGER),
        (2, Role.QUALITY_LEAD),
        (3, Role.TEAM_LEADER),
        (4, Role.DEPUTY_MANAGER),
        (5, Role.SENIOR_LEADER),
    ],
)
def test_it_refuses_the_wrong_role_and_names_the_right_one(number, wrong_role):
    decision = wf.can_complete_step(_case(number - 1), number, actor_id=9, actor_roles={wrong_role})
    assert not decision
    assert Role(ROLES[number - 1]).label in decision.reason


def test_it_follows_the_template_when_step_one_is_the_operations_managers():
    case = _case(0, roles=WORKFORCE_ROLES)
    assert wf.can_complete_step(case, 1, actor_id=1, actor_roles={Role.OPERATIONS_MANAGER})
    assert not wf.can_complete_step(case, 1, actor_id=1, actor_roles={Role.QUALITY_LEAD})


def test_it_refuses_step_three_by_the_step_one_author():
    decision = wf.can_complete_step(
        _case(2, author=7), 3, actor_id=7, actor_roles={Role.DEPUTY_MANAGER}
    )
    assert not decision
    assert "cannot also validate" in decision.reason


def test_it_allows_self_validation_only_under_the_provider_setting_and_says_so():
    decision = wf.can_complete_step(
        _case(2, author=7, allow_self=True), 3, actor_id=7, actor_roles={Role.DEPUTY_MANAGER}
    )
    assert decision and decision.self_validation
    other = wf.can_complete_step(
        _case(2, author=7, allow_self=True), 3, actor_id=8, actor_roles={Role.DEPUTY_MANAGER}
    )
    assert other and not other.self_validation


def test_it_keeps_completed_steps_locked():
    decision = wf.can_edit_step(_case(2), 1, actor_roles={Role.QUALITY_LEAD})
    assert not decision
    assert "locked" in decision.reason


def test_it_lets_only_a_registered_manager_reopen_with_a_reason():
    case = _case(3)
    assert wf.can_reopen_step(
        case, 2, actor_roles={Role.REGISTERED_MANAGER}, reason="Missed a team."
    )
    assert not wf.can_reopen_step(case, 2, actor_roles={Role.QUALITY_LEAD}, reason="Missed a team.")
    no_reason = wf.can_reopen_step(case, 2, actor_roles={Role.REGISTERED_MANAGER}, reason=" ")
    assert not no_reason and "reason" in no_reason.reason
    assert not wf.can_reopen_step(case, 4, actor_roles={Role.REGISTERED_MANAGER}, reason="x" * 20)


def test_it_reports_the_first_incomplete_step_as_current():
    assert _case(0).current_step == 1
    assert _case(3).current_step == 4
    assert _case(5).current_step == 5


def test_it_moves_to_under_review_only_when_all_five_are_done():
    assert wf.status_after_steps(_case(4)) == wf.OPEN
    assert wf.status_after_steps(_case(5)) == wf.UNDER_REVIEW
    assert wf.status_after_steps(_case(4, status=wf.UNDER_REVIEW)) == wf.OPEN


@pytest.mark.parametrize("status", [wf.CLOSED, wf.WITHDRAWN])
def test_it_freezes_closed_and_withdrawn_cases(status):
    assert not wf.can_edit_step(_case(0, status=status), 1, actor_roles={Role.QUALITY_LEAD})
    assert not wf.check_transition(status, wf.UNDER_REVIEW)
    # only reopening, by a Registered Manager with a reason, thaws it
    reason = "New falls data needs a fresh look."
    assert wf.can_close(
        status, actor_roles={Role.REGISTERED_MANAGER}, new_status=wf.OPEN, reason=reason
    )
    assert not wf.can_close(
        status, actor_roles={Role.QUALITY_LEAD}, new_status=wf.OPEN, reason=reason
    )
    assert not wf.can_close(
        status, actor_roles={Role.REGISTERED_MANAGER}, new_status=wf.OPEN, reason=""
    )


def test_it_needs_a_reason_and_a_registered_manager_to_close():
    assert wf.can_close(
        wf.OPEN,
        actor_roles={Role.REGISTERED_MANAGER},
        new_status=wf.CLOSED,
        reason="Merged into the wider review.",
    )
    assert not wf.can_close(
        wf.OPEN, actor_roles={Role.REGISTERED_MANAGER}, new_status=wf.CLOSED, reason=""
    )
    assert not wf.can_close(
        wf.OPEN,
        actor_roles={Role.QUALITY_LEAD},
        new_status=wf.WITHDRAWN,
        reason="Opened by mistake here.",
    )


def test_it_raises_a_workflow_error_from_require():
    with pytest.raises(wf.WorkflowError, match="comes first"):
        wf.can_edit_step(_case(0), 3, actor_roles={Role.DEPUTY_MANAGER}).require()
