"""State-changing writes: organisations and roles, improvement cases and their steps."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.cases.services import require_active
from assurance.common.history import acting_as, records_actor
from assurance.common.reasons import check_reason_length
from assurance.common.stale import StaleEdit, stale_message
from assurance.escalations.models import Escalation, EscalationStatus
from assurance.organisations.access import roles_at_location
from assurance.organisations.permissions import READ_ONLY_ROLES
from domains.roles import Role

User = get_user_model()


# --- Escalations -------------------------------------------------------------------------

ESCALATION_MANAGER_ROLES = frozenset({Role.REGISTERED_MANAGER, Role.SENIOR_LEADER})


def _default_due(today=None):

    return (today or timezone.localdate()) + timedelta(days=settings.ESCALATION_DUE_DAYS)


def escalation_raise(
    *,
    actor=None,
    case,
    trigger: str,
    action: str = "",
    detail: str = "",
    due_on=None,
    owner=None,
    dedupe_key: str | None = None,
) -> tuple[Escalation, bool]:
    """Raise an escalation. With a dedupe_key (automatic triggers) a second call for the same
    key returns the first escalation instead of raising another: (escalation, created)."""
    action = action or (case.domain.escalation_actions or ["Review with the Registered Manager"])[0]
    defaults = {
        "case": case,
        "trigger": trigger,
        "action": action,
        "detail": detail,
        "due_on": due_on or _default_due(),
        "owner": owner,
        "raised_by": actor,
    }
    with acting_as(actor):
        if dedupe_key is None:
            return Escalation.objects.create(**defaults), True
        try:
            with transaction.atomic():
                return Escalation.objects.get_or_create(dedupe_key=dedupe_key, defaults=defaults)
        except IntegrityError:
            # Two raisers raced on the same key: the other one won, use its row.
            return Escalation.objects.get(dedupe_key=dedupe_key), False


@records_actor
def escalation_raise_by_hand(*, actor, actor_roles, case, action, detail, due_on, owner=None):
    if not ESCALATION_MANAGER_ROLES & set(actor_roles):
        raise wf.WorkflowError(
            "Only a Registered Manager or Senior Leader can raise an escalation by hand."
        )
    require_active(case)
    _require_owner_at_location(owner, case)
    escalation, _ = escalation_raise(
        actor=actor,
        case=case,
        trigger="manual",
        action=action,
        detail=detail,
        due_on=due_on,
        owner=owner,
    )
    return escalation


def _require_owner_at_location(owner, case):
    if owner is None:
        return

    if not roles_at_location(owner, case.location) - READ_ONLY_ROLES:
        raise ValidationError({"owner": "The owner must hold a role at this location."})


@records_actor
def escalation_update(
    *,
    actor,
    actor_roles,
    escalation,
    version: int,
    owner=None,
    due_on=None,
    action=None,
    status=None,
    outcome=None,
    cancel_reason="",
):
    """Assign an owner, move the due date, or move the status. The Registered Manager or a
    Senior Leader may do all of it; the owner may move status and write the outcome."""
    is_manager = bool(ESCALATION_MANAGER_ROLES & set(actor_roles))
    is_owner = escalation.owner_id == actor.pk
    if not (is_manager or is_owner):
        raise wf.WorkflowError(
            "Only the owner, the Registered Manager or a Senior Leader can update this escalation."
        )
    if not is_manager and (owner != escalation.owner or due_on not in (None, escalation.due_on)):
        raise wf.WorkflowError("Only the Registered Manager or a Senior Leader can reassign it.")
    with transaction.atomic():
        locked = (
            Escalation.objects.select_for_update()
            .select_related("case__location")
            .get(pk=escalation.pk)
        )
        if locked.version != version:
            raise StaleEdit(locked, stale_message(locked, "This escalation"))
        if not locked.is_active:
            raise wf.WorkflowError(f"This escalation is {locked.get_status_display().lower()}.")
        _require_owner_at_location(owner, locked.case)
        if is_manager:
            locked.owner = owner
            if due_on:
                locked.due_on = due_on
            if action:
                locked.action = action
        if status:
            if (
                status == EscalationStatus.CANCELLED
                and len(cancel_reason.strip()) < wf.MIN_REASON_LENGTH
            ):
                raise ValidationError(
                    {"cancel_reason": "Say why it is cancelled (a short sentence)."}
                )
            check_reason_length(cancel_reason.strip(), field="cancel_reason")
            if status == EscalationStatus.DONE and not (outcome or locked.outcome).strip():
                raise ValidationError({"outcome": "Record the outcome before marking it done."})
            locked.status = status
            locked.cancel_reason = cancel_reason.strip()
            if status in (EscalationStatus.DONE, EscalationStatus.CANCELLED):
                locked.closed_at = timezone.now()
        if outcome is not None:
            locked.outcome = outcome
        locked.version += 1
        locked.save()
    return locked


