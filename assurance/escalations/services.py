"""State-changing writes for escalations: raised automatically or by hand, assigned, moved
through their statuses.
"""

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
from assurance.escalations import rules
from assurance.escalations.models import (
    Escalation,
    EscalationEvent,
    EscalationStatus,
    EscalationTrigger,
)
from assurance.organisations.access import roles_at_location, roles_at_provider
from assurance.organisations.permissions import READ_ONLY_ROLES

User = get_user_model()


# --- Escalations -------------------------------------------------------------------------


def _default_due(today=None):

    return (today or timezone.localdate()) + timedelta(days=settings.ESCALATION_DUE_DAYS)


PROVIDER_ACTION = "Provider-wide review by the Senior Leaders"


def escalation_raise(
    *,
    actor=None,
    case=None,
    provider=None,
    trigger: str,
    action: str = "",
    detail: str = "",
    due_on=None,
    owner=None,
    dedupe_key: str | None = None,
) -> tuple[Escalation, bool]:
    """Raise an escalation on a case, or (with ``provider`` and no case) a provider-wide one
    owned by the provider's Senior Leaders. With a dedupe_key (automatic triggers) a second
    call for the same key returns the first escalation instead of raising another:
    (escalation, created)."""
    if (case is None) == (provider is None):
        raise ValueError("An escalation belongs to a case or to a provider: give exactly one.")
    if case is not None:
        actions = case.domain.escalation_actions or ["Review with the Registered Manager"]
    else:
        actions = [PROVIDER_ACTION]
    action = action or actions[0]
    defaults = {
        "case": case,
        "provider": provider,
        "trigger": trigger,
        "action": action,
        "detail": detail,
        "due_on": due_on or _default_due(),
        "owner": owner,
        "raised_by": actor,
    }
    with acting_as(actor):
        if dedupe_key is None:
            with transaction.atomic():
                escalation = Escalation.objects.create(**defaults)
                _raised_event(escalation)
            return escalation, True
        try:
            with transaction.atomic():
                escalation, created = Escalation.objects.get_or_create(
                    dedupe_key=dedupe_key, defaults=defaults
                )
                if created:
                    _raised_event(escalation)
                return escalation, created
        except IntegrityError:
            # Two raisers raced on the same key: the other one won, use its row.
            return Escalation.objects.get(dedupe_key=dedupe_key), False


def _raised_event(escalation):
    trigger = EscalationTrigger(escalation.trigger).label
    EscalationEvent.objects.create(
        escalation=escalation,
        at=escalation.raised_at,
        actor=escalation.raised_by,
        from_status="",
        to_status=escalation.status,
        note=f"Raised: {trigger}. {escalation.detail}".strip(),
    )


@records_actor
def escalation_raise_by_hand(*, actor, actor_roles, case, action, detail, due_on, owner=None):
    if not rules.is_manager(actor_roles):
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


def _require_owner_in_scope(owner, escalation):
    if escalation.case_id:
        _require_owner_at_location(owner, escalation.case)
    elif owner is not None and not roles_at_provider(owner, escalation.provider) - READ_ONLY_ROLES:
        raise ValidationError({"owner": "The owner must be one of the provider's Senior Leaders."})


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
    note="",
):
    """Assign an owner, move the due date, move the status or add a progress note.

    The Registered Manager or a Senior Leader may do all of it; the owner may move the
    status and write notes and the outcome, but never close an escalation raised
    automatically (rules.may_move). Every call that changes something writes one
    EscalationEvent: who, when, from which status to which, and why.
    """
    is_manager = rules.is_manager(actor_roles)
    is_owner = escalation.owner_id == actor.pk
    if not (is_manager or is_owner):
        rules.can_update(escalation.status, actor_roles=actor_roles, is_owner=is_owner).require()
    if not is_manager and (owner != escalation.owner or due_on not in (None, escalation.due_on)):
        raise wf.WorkflowError("Only the Registered Manager or a Senior Leader can reassign it.")
    note = (note or "").strip()
    cancel_reason = (cancel_reason or "").strip()
    check_reason_length(cancel_reason, field="cancel_reason")
    check_reason_length(note, field="note")
    with transaction.atomic():
        locked = (
            # of=self: case and provider are each optional, so their joins are outer ones
            # PostgreSQL cannot lock.
            Escalation.objects.select_for_update(of=("self",))
            .select_related("case__location", "provider")
            .get(pk=escalation.pk)
        )
        if locked.version != version:
            raise StaleEdit(locked, stale_message(locked, "This escalation"))
        if not locked.is_active:
            raise wf.WorkflowError(f"This escalation is {locked.get_status_display().lower()}.")
        before = locked.status
        status = status or before
        rules.can_move(before, status).require()
        if status != before:
            rules.may_move(
                status, trigger=locked.trigger, actor_roles=actor_roles, is_owner=is_owner
            ).require()
            missing = rules.missing_for(
                status,
                trigger=locked.trigger,
                outcome=locked.outcome if outcome is None else outcome,
                reason=cancel_reason,
            )
            if missing:
                raise ValidationError(missing)
        _require_owner_in_scope(owner, locked)
        changes = []
        if is_manager:
            if owner != locked.owner:
                changes.append(f"owner: {_name(locked.owner)} → {_name(owner)}")
                locked.owner = owner
            if due_on and due_on != locked.due_on:
                changes.append(f"due: {locked.due_on:%-d %b %Y} → {due_on:%-d %b %Y}")
                locked.due_on = due_on
            if action and action != locked.action:
                changes.append(f"action: {locked.action} → {action}")
                locked.action = action
        if outcome is not None and outcome != locked.outcome:
            changes.append("outcome note written" if outcome.strip() else "outcome note cleared")
            locked.outcome = outcome
        if status != before:
            locked.status = status
            if status == EscalationStatus.CANCELLED:
                locked.cancel_reason = cancel_reason
            if status in rules.CLOSED:
                locked.closed_at = timezone.now()
        if status == before and not changes and not note:
            return locked  # nothing changed: nothing to record
        why = rules.why(before, status, note=note, outcome=locked.outcome, reason=cancel_reason)
        locked.version += 1
        locked._change_reason = (why or "; ".join(changes))[:100]
        locked.save()
        EscalationEvent.objects.create(
            escalation=locked,
            actor=actor,
            from_status=before,
            to_status=status,
            note=why or "; ".join(changes),
            changes="; ".join(changes),
        )
    return locked


def _name(user):
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()
