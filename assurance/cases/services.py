"""State-changing writes for improvement cases: opening, editing and closing them, their steps,
indicators and readings.
"""

from dataclasses import replace

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.cases.models import CaseStatus, ImprovementCase, Indicator, Reading, StepRecord
from assurance.common.history import records_actor
from assurance.common.reasons import check_reason_length
from assurance.common.stale import StaleEdit, stale_message
from assurance.organisations.models import Location
from assurance.organisations.permissions import CASE_OPENER_ROLES, INDICATOR_ROLES, can_write

User = get_user_model()


# --- Improvement cases -------------------------------------------------------------------


def case_state(case: ImprovementCase, steps=None) -> wf.CaseState:
    steps = steps if steps is not None else list(case.steps.all())
    return wf.CaseState(
        status=case.status,
        steps=tuple(
            wf.StepState(
                number=s.number,
                role=s.role,
                label=s.artefact_label,
                completed=s.completed_at is not None,
                completed_by_id=s.completed_by_id,
            )
            for s in sorted(steps, key=lambda s: s.number)
        ),
        allow_self_validation=case.location.provider.allow_self_validation,
        distinct_people_first_steps=case.location.provider.distinct_people_first_steps,
    )


@records_actor
def case_open(
    *,
    actor,
    actor_roles,
    location: Location,
    domain,
    title: str,
    baseline_issue: str,
    improvement_began,
    wider_areas: list[str],
) -> ImprovementCase:
    wf.can_open_case(actor_roles).require()
    templates = list(domain.steps.order_by("number"))
    if [t.number for t in templates] != list(range(1, wf.STEP_COUNT + 1)):
        raise wf.WorkflowError(
            f"The {domain} template does not have all five steps yet. Ask an administrator "
            "to complete it in the catalogue."
        )
    with transaction.atomic():
        case = ImprovementCase.objects.create(
            location=location,
            domain=domain,
            title=title,
            baseline_issue=baseline_issue,
            improvement_began=improvement_began,
            wider_areas=_clean_areas(wider_areas),
            opened_by=actor,
        )
        StepRecord.objects.bulk_create(
            StepRecord(
                case=case,
                number=t.number,
                role=t.role,
                artefact_label=t.artefact_label,
                prompts=t.prompts,
            )
            for t in templates
        )
    return case


def _clean_areas(areas) -> list[str]:
    seen, result = set(), []
    for area in areas:
        area = " ".join(str(area).split())[:160]
        if area and area.lower() not in seen:
            seen.add(area.lower())
            result.append(area)
    return result


def _lock_case(case) -> ImprovementCase:
    return (
        ImprovementCase.objects.select_for_update()
        .select_related("location__provider", "domain")
        .get(pk=case.pk)
    )


@records_actor
def case_update(*, actor, actor_roles, case, version: int, **fields) -> ImprovementCase:
    """Edit the case's own fields (title, baseline, start date, wider areas)."""
    if not (CASE_OPENER_ROLES & set(actor_roles)):
        raise wf.WorkflowError(
            "Only a Quality Lead, Operations Manager or Registered Manager can edit the case."
        )
    with transaction.atomic():
        locked = _lock_case(case)
        if locked.status not in wf.ACTIVE_STATUSES:
            raise wf.WorkflowError(f"This case is {locked.get_status_display().lower()}.")
        if locked.version != version:
            raise StaleEdit(locked, stale_message(locked, "This case"))
        if "wider_areas" in fields:
            fields["wider_areas"] = _clean_areas(fields["wider_areas"])
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
    return locked


@records_actor
def case_set_status(*, actor, actor_roles, case, new_status: str, reason: str) -> ImprovementCase:
    check_reason_length((reason or "").strip())
    with transaction.atomic():
        locked = _lock_case(case)
        wf.can_close(
            locked.status, actor_roles=actor_roles, new_status=new_status, reason=reason
        ).require()
        if new_status == wf.OPEN:  # reopened: back to where its steps are
            new_status = wf.status_after_steps(replace(case_state(locked), status=wf.OPEN))
        locked.status = new_status
        locked.status_reason = reason.strip()
        locked.version += 1
        verb = "Reopened" if new_status in wf.ACTIVE_STATUSES else CaseStatus(new_status).label
        locked._change_reason = f"{verb}: {reason.strip()}"
        locked.save()
    return locked


def _step_for_update(case, number) -> StepRecord:
    return StepRecord.objects.select_for_update().get(case=case, number=number)


@records_actor
def step_save(
    *, actor, actor_roles, case, number: int, data: dict, version: int, complete: bool = False
) -> StepRecord:
    """Save a step's artefact as a draft, or save and complete it (which locks it)."""
    with transaction.atomic():
        locked_case = _lock_case(case)
        step = _step_for_update(locked_case, number)
        state = case_state(locked_case, list(locked_case.steps.all()))
        if complete:
            decision = wf.can_complete_step(
                state, number, actor_id=actor.pk, actor_roles=actor_roles
            ).require()
        else:
            decision = wf.can_edit_step(state, number, actor_roles=actor_roles).require()
        if step.version != version:
            raise StaleEdit(step, stale_message(step, f"Step {number} ({step.artefact_label})"))
        now = timezone.now()
        step.data = data
        step.updated_by = actor
        step.updated_at = now
        step.version += 1
        if complete:
            step.completed_by = actor
            step.completed_at = now
            step.self_validation = decision.self_validation
            step._change_reason = decision.reason or "Completed"
        step.save()
        if complete:
            _advance_case(locked_case)
    return step


def _advance_case(case) -> None:
    state = case_state(case, list(case.steps.all()))
    new_status = wf.status_after_steps(state)
    case.current_step = state.current_step
    if new_status != case.status:
        wf.check_transition(case.status, new_status).require()
        case._change_reason = wf.TRANSITIONS[(case.status, new_status)]
        case.status = new_status
    case.version += 1
    case.save()


@records_actor
def step_reopen(*, actor, actor_roles, case, number: int, reason: str) -> StepRecord:
    check_reason_length((reason or "").strip())
    with transaction.atomic():
        locked_case = _lock_case(case)
        step = _step_for_update(locked_case, number)
        state = case_state(locked_case, list(locked_case.steps.all()))
        wf.can_reopen_step(state, number, actor_roles=actor_roles, reason=reason).require()
        step.completed_at = None
        step.completed_by = None
        step.self_validation = False
        step.updated_by = actor
        step.updated_at = timezone.now()
        step.version += 1
        step._change_reason = f"Reopened: {reason.strip()}"
        step.save()
        _advance_case(locked_case)
    return step


@records_actor
def indicator_add(*, actor, actor_roles, case, **fields) -> Indicator:
    if not (INDICATOR_ROLES & set(actor_roles)):
        raise wf.WorkflowError(
            "Only a Quality Lead, Operations Manager or Registered Manager can add indicators."
        )
    require_active(case)
    return Indicator.objects.create(case=case, created_by=actor, **fields)


@records_actor
def reading_add(*, actor, actor_roles, indicator, taken_on, value, team=None, note="") -> Reading:

    if not can_write(actor_roles):
        raise wf.WorkflowError("Viewers cannot record readings.")
    require_active(indicator.case)
    if team is not None and team.location_id != indicator.case.location_id:
        raise wf.WorkflowError("That team is not at this case's location.")
    return Reading.objects.create(
        indicator=indicator,
        taken_on=taken_on,
        value=value,
        team=team,
        note=note,
        recorded_by=actor,
    )


def require_active(case):
    if case.status not in wf.ACTIVE_STATUSES:
        raise wf.WorkflowError(
            f"This case is {case.get_status_display().lower()}: it is read-only until a "
            "Registered Manager reopens it."
        )
